import { useEffect, useState } from "react";

export type Theme = "dark" | "light";
const KEY = "cryptodesk.theme";

function stored(): Theme {
  try {
    return localStorage.getItem(KEY) === "light" ? "light" : "dark";
  } catch {
    return "dark";
  }
}

/** Dark by default; the choice is kept in localStorage (it is not a secret). */
export function useTheme(): [Theme, () => void] {
  const [theme, setTheme] = useState<Theme>(() => {
    const initial = stored();
    document.documentElement.dataset.theme = initial;
    return initial;
  });
  useEffect(() => {
    try {
      localStorage.setItem(KEY, theme);
    } catch {
      // private mode: the choice lasts for this page only
    }
  }, [theme]);
  const toggle = () => {
    // Set before rendering: charts read the theme's colours when they are (re)drawn.
    const next: Theme = document.documentElement.dataset.theme === "light" ? "dark" : "light";
    document.documentElement.dataset.theme = next;
    setTheme(next);
  };
  return [theme, toggle];
}

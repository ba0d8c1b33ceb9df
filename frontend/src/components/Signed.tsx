import { splitPercentages } from "../lib/format";

/** Text with its signed percentages coloured: green up, red down. */
export function Signed({ text }: { text: string }) {
  const parts = splitPercentages(text);
  if (parts.every((p) => p.sign === null)) return <>{text}</>;
  return (
    <>
      {parts.map((part, i) =>
        part.sign ? (
          <span key={i} className={part.sign}>
            {part.text}
          </span>
        ) : (
          <span key={i}>{part.text}</span>
        ),
      )}
    </>
  );
}

"""What the browser tests do and read on the desk's page: ask, wait, read the chart through its
library's API (`window.__cryptodesk["chart:<key>"]`), check geometry, run axe, take screenshots."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, expect

from tests.runtime.server import REPO

SIZES: dict[str, tuple[int, int]] = {
    "desktop": (1440, 900),
    "laptop": (1280, 720),
    "phone": (390, 844),
}
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
AXE = REPO / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
TECHNICAL = "Analyze BTC on the 4h chart"
COMPARISON = "Compare SOL and AVAX this month"


def ask(page: Page, question: str) -> None:
    box = page.get_by_test_id("composer")
    box.fill(question)
    box.press("Enter")


def open_desk(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.get_by_test_id("connection")).to_have_attribute("data-phase", "open")


def turns(page: Page) -> Locator:
    return page.get_by_test_id("turn")


def wait_done(
    page: Page, count: int = 1, phase: str = "completed", timeout: float = 30_000
) -> Locator:
    """The `count`-th turn, once its run ended with `phase`."""
    turn = turns(page).nth(count - 1)
    expect(turn.get_by_test_id("trace").get_by_test_id("run-phase")).to_have_attribute(
        "data-phase", phase, timeout=timeout
    )
    return turn


def expand_trace(turn: Locator) -> Locator:
    toggle = turn.get_by_test_id("trace-toggle")
    if toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    return turn.get_by_test_id("timeline")


def chart(page: Page, key: str = "workspace") -> Any:
    """A probe of a drawn chart: call its functions with `probe(page, name, key)`."""
    return page.evaluate("(k) => Boolean(window.__cryptodesk?.['chart:' + k])", key)


def probe(page: Page, name: str, key: str = "workspace") -> Any:
    return page.evaluate("([k, name]) => window.__cryptodesk['chart:' + k][name]()", [key, name])


def legend_cover(page: Page, key: str = "workspace") -> dict[str, float]:
    """How far right and down the price pane's legend reaches, from the plot's top left."""
    cover: dict[str, float] = page.evaluate(
        """(k) => {
            const canvas = document.querySelector(`[data-chart-key="${k}"]`);
            const legend = canvas.parentElement.querySelector('[data-testid=chart-legend]');
            const plot = canvas.getBoundingClientRect();
            const rights = [...legend.children].map((e) => e.getBoundingClientRect().right);
            return {
                right: Math.max(...rights) - plot.left,
                bottom: legend.getBoundingClientRect().bottom - plot.top,
            };
        }""",
        key,
    )
    return cover


def assert_labels_clear_of_the_candles(page: Page, key: str = "workspace") -> None:
    """Level labels sit right of the newest candle, inside the plot, none over another nor
    under the legend."""
    page.wait_for_function(
        "(k) => window.__cryptodesk['chart:' + k]?.levelLabelBoxes().length > 0", arg=key
    )
    edges = probe(page, "dataEdges", key)
    boxes = sorted(probe(page, "levelLabelBoxes", key), key=lambda b: b["y"])
    assert all(b["x"] >= edges["right"] for b in boxes), (edges, boxes)
    assert all(b["x"] + b["width"] <= edges["plotWidth"] for b in boxes), (edges, boxes)
    for above, below in itertools.pairwise(boxes):
        assert above["y"] + above["height"] <= below["y"], (above, below)
    cover = legend_cover(page, key)
    assert not any(b["y"] < cover["bottom"] and b["x"] < cover["right"] for b in boxes), (
        cover,
        boxes,
    )


def box(locator: Locator) -> dict[str, float]:
    found = locator.bounding_box()
    assert found is not None, f"{locator} is not rendered"
    return found


def inside_viewport(
    page: Page, locator: Locator, below: Locator | None = None, under: Locator | None = None
) -> bool:
    """Whether `locator` is wholly in the viewport, above `below` (e.g. the composer) and under
    `under` (e.g. the phone's sticky header)."""
    size = page.viewport_size
    assert size is not None
    b = box(locator)
    bottom = box(below)["y"] if below is not None else size["height"]
    top = box(under)["y"] + box(under)["height"] if under is not None else 0
    return (
        b["y"] >= top - 0.5
        and b["y"] + b["height"] <= bottom + 0.5
        and b["x"] >= 0
        and (b["x"] + b["width"] <= size["width"] + 0.5)
    )


def scroll_boxes(locator: Locator) -> list[str]:
    """Elements inside `locator` that scroll up and down inside themselves."""
    found: list[str] = locator.evaluate(
        """root => [root, ...root.querySelectorAll('*')].filter(el => {
            const y = getComputedStyle(el).overflowY;
            return (y === 'auto' || y === 'scroll') && el.scrollHeight > el.clientHeight + 1;
        }).map(el => el.tagName + '.' + el.className)"""
    )
    return found


def axe_violations(page: Page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """axe-core's violations of these impacts on the page as it is now (WCAG 2 A and AA)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        # Evaluated through the DevTools protocol: the page's CSP does not apply to it.
        page.evaluate(AXE.read_text() + "\n;undefined")
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {
              runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
            });
            return r.violations.map(v => ({
              id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.slice(0, 3).map(n => `${n.target.join(' ')} :: ${n.failureSummary}`),
            }));
        }"""
    )
    return [
        f"{v['impact']} {v['id']}: {v['help']} {v['nodes']}"
        for v in result
        if v["impact"] in impacts
    ]


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path

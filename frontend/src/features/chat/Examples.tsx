/** The empty conversation: example questions, one per kind of answer the desk gives. */
import { ArrowLeftRight, ChartCandlestick, CircleDollarSign, Gauge, Globe, Layers, type LucideIcon } from "lucide-react";

export const EXAMPLES: readonly { text: string; icon: LucideIcon }[] = [
  { text: "What is the price of Bitcoin?", icon: CircleDollarSign },
  { text: "Analyze ETH on the 4h chart with RSI and MACD", icon: ChartCandlestick },
  { text: "Compare SOL and AVAX this month", icon: ArrowLeftRight },
  { text: "Find support and resistance levels for BTC on the 1d chart", icon: Layers },
  { text: "Is DOGE overbought?", icon: Gauge },
  { text: "How is the crypto market today?", icon: Globe },
];

export function Examples({ busy, onAsk }: { busy: boolean; onAsk: (text: string) => boolean }) {
  return (
    <div className="examples" data-testid="examples">
      <h2>Ask the desk</h2>
      <p className="muted">
        A team of analysts reads the market for you: prices, indicators, levels, comparisons. Pick an example or type
        your own question.
      </p>
      <ul>
        {EXAMPLES.map(({ text, icon: Icon }) => (
          <li key={text}>
            <button type="button" className="example" onClick={() => onAsk(text)} disabled={busy}>
              <Icon size={16} aria-hidden="true" />
              <span>{text}</span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

/**
 * The watchlist: each coin with its live price, 24h change and the day's sparkline (pushed by
 * the server while the page is open), a bell to make an alert on it, and remove. Coins are added
 * by symbol here, by "watch ETH" in the chat, or through the API.
 */
import { BellPlus, Plus, Trash2 } from "lucide-react";
import { useState } from "react";
import { DataLabel } from "../../components/Badge";
import { ApiError } from "../../lib/api";
import { formatPercent, formatPrice, formatUtc } from "../../lib/format";
import type { WatchItem } from "../../lib/protocol";
import { watchApi } from "./api";
import { Sparkline } from "./Sparkline";

interface Props {
  items: WatchItem[] | null;
  onAlert: (symbol: string, price: number | null) => void;
}

export function WatchlistPanel({ items, onAlert }: Props) {
  const [symbol, setSymbol] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const add = async () => {
    const wanted = symbol.trim();
    if (!wanted) return;
    setBusy(true);
    setError(null);
    try {
      await watchApi.watch(wanted);
      setSymbol("");
    } catch (e) {
      setError(e instanceof ApiError ? e.message : "The coin could not be added.");
    } finally {
      setBusy(false);
    }
  };
  const remove = async (coin: WatchItem) => {
    try {
      await watchApi.unwatch(coin.coin_id);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : "The coin could not be removed.");
    }
  };

  return (
    <div className="watchlist" data-testid="watchlist">
      <form
        className="watch-add"
        onSubmit={(e) => {
          e.preventDefault();
          void add();
        }}
      >
        <label className="sr-only" htmlFor="watch-symbol">
          Coin to watch
        </label>
        <input
          id="watch-symbol"
          value={symbol}
          onChange={(e) => setSymbol(e.target.value)}
          placeholder="Add a coin: BTC, ETH, solana…"
          maxLength={64}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? "watch-error" : undefined}
          data-testid="watch-input"
        />
        <button type="submit" className="btn" disabled={busy || !symbol.trim()} data-testid="watch-add">
          <Plus size={15} aria-hidden="true" /> Watch
        </button>
      </form>
      {error && (
        <p id="watch-error" className="field-error" role="alert">
          {error}
        </p>
      )}
      {items === null && <p className="muted">Loading…</p>}
      {items?.length === 0 && <p className="muted">No coins yet. Add one above, or say "watch ETH" in the chat.</p>}
      <ul className="watch-items" aria-label="Watched coins">
        {(items ?? []).map((item) => (
          <li key={item.coin_id} className="watch-item" data-testid="watch-item" data-symbol={item.symbol}>
            <div className="watch-name">
              <strong>{item.symbol}</strong>
              <span className="muted small">{item.name}</span>
            </div>
            <Sparkline points={item.sparkline ?? []} label={`${item.symbol}: the last day's prices`} />
            <div className="watch-price">
              <span className="num" data-testid="watch-price">
                {item.price == null ? "—" : formatPrice(item.price)}
              </span>
              {item.change_24h_pct != null && (
                <span className={`small num ${item.change_24h_pct >= 0 ? "up" : "down"}`} data-testid="watch-change">
                  {formatPercent(item.change_24h_pct)}
                </span>
              )}
            </div>
            <div className="watch-meta muted small">
              {item.as_of ? `as of ${formatUtc(item.as_of)}` : "waiting for a price"}
              {(item.data_labels ?? []).map((label) => (
                <DataLabel key={label} label={label} />
              ))}
            </div>
            <div className="watch-actions">
              <button
                type="button"
                className="btn icon small ghost"
                onClick={() => onAlert(item.symbol, item.price ?? null)}
                aria-label={`New alert on ${item.symbol}`}
                title={`New alert on ${item.symbol}`}
                data-testid="watch-alert"
              >
                <BellPlus size={15} aria-hidden="true" />
              </button>
              <button
                type="button"
                className="btn icon small ghost"
                onClick={() => void remove(item)}
                aria-label={`Stop watching ${item.symbol}`}
                title={`Stop watching ${item.symbol}`}
              >
                <Trash2 size={15} aria-hidden="true" />
              </button>
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}

/**
 * The statistics of the calls in view next to the baselines on the same calls and horizons, each
 * with its sample size, and a plain warning when the sample is too small to mean anything.
 */
import { ThumbsDown, ThumbsUp, TriangleAlert } from "lucide-react";
import type { CallSummary, GroupStats } from "../../lib/api";
import { REASON_TEXT } from "../../lib/feedback";
import {
  OUTCOMES,
  OUTCOME_ORDER,
  againstFlip,
  avgText,
  flipText,
  rateText,
  sizeText,
  smallSampleText,
} from "./recordView";

export function SummaryPanel({ summary }: { summary: CallSummary }) {
  const o = summary.overall;
  const warning = smallSampleText(o, summary.small_sample);
  const verdict = againstFlip(o);
  return (
    <section className="record-summary" aria-label="Summary" data-testid="record-summary">
      {warning && (
        <p className="sample-warning" role="note" data-testid="small-sample">
          <TriangleAlert size={15} aria-hidden="true" /> {warning}
        </p>
      )}
      <div className="summary-grid">
        <Baselines stats={o} />
        <div className="summary-facts">
          {verdict && (
            <p className="verdict" data-testid="verdict">
              {verdict === "inside"
                ? "The hit rate is inside a coin flip's range: no evidence of skill."
                : verdict === "above"
                  ? "The hit rate is above a coin flip's range (overlapping horizons make this less sure than it looks)."
                  : "The hit rate is below a coin flip's range."}
            </p>
          )}
          <p className="muted small">
            Hit rate: the horizon's return agreed with the bias (neutral: stayed inside the band). Avg return per call:
            long when bullish, short when bearish, flat when neutral.
          </p>
          <ul className="outcome-counts" aria-label="Outcomes">
            {OUTCOME_ORDER.map((key) => (
              <li key={key} title={OUTCOMES[key].title}>
                <span className={`dot ${OUTCOMES[key].tone}`} aria-hidden="true" />
                {OUTCOMES[key].text} <strong>{o.outcomes[key] ?? 0}</strong>
              </li>
            ))}
            <li>
              Pending <strong>{o.pending}</strong>
            </li>
            {o.void > 0 && (
              <li title="Made from simulated data: never judged">
                Not judged <strong>{o.void}</strong>
              </li>
            )}
          </ul>
          <p className="small">
            Return when bullish {avgText(o.return_by_bias.bullish.value)} (n={o.return_by_bias.bullish.n}), bearish{" "}
            {avgText(o.return_by_bias.bearish.value)} (n={o.return_by_bias.bearish.n}), neutral{" "}
            {avgText(o.return_by_bias.neutral.value)} (n={o.return_by_bias.neutral.n}). Average excursion in favour (MFE){" "}
            {sizeText(o.mfe.value)}, against (MAE) {sizeText(o.mae.value)}.
          </p>
          <Calibration stats={o} />
          {summary.feedback && (
            <p className="small feedback-counts" data-testid="feedback-counts">
              Feedback on answers: <ThumbsUp size={13} aria-hidden="true" />
              <span className="sr-only">thumbs up</span> {summary.feedback.up}{" "}
              <ThumbsDown size={13} aria-hidden="true" />
              <span className="sr-only">thumbs down</span> {summary.feedback.down}
              {Object.entries(summary.feedback.reasons)
                .filter(([, count]) => count > 0)
                .map(([reason, count]) => ` · ${REASON_TEXT[reason] ?? reason} ${count}`)
                .join("")}
            </p>
          )}
        </div>
      </div>
      {summary.groups.length > 1 && <Groups groups={summary.groups} />}
    </section>
  );
}

function Baselines({ stats: o }: { stats: GroupStats }) {
  const flip = flipText(o);
  return (
    <div className="table-scroll">
      <table className="baselines" data-testid="baselines">
        <caption>Against baselines on the same calls</caption>
        <thead>
          <tr>
            <th scope="col">Who</th>
            <th scope="col">Hit rate</th>
            <th scope="col">Avg return / call</th>
            <th scope="col">n</th>
          </tr>
        </thead>
        <tbody>
          <tr className="desk-row">
            <th scope="row">The desk</th>
            <td data-testid="desk-hit-rate">{rateText(o.hit_rate)}</td>
            <td>{avgText(o.follow_return.value)}</td>
            <td>{o.hit_rate.n}</td>
          </tr>
          <tr>
            <th scope="row">Always bullish</th>
            <td>{rateText(o.baselines.always_bullish)}</td>
            <td>{avgText(o.baselines.buy_and_hold.value)}</td>
            <td>{o.baselines.always_bullish.n}</td>
          </tr>
          <tr>
            <th scope="row">Coin flip</th>
            <td>
              {flip.expected}
              {flip.range && <span className="range muted small">95% range {flip.range}</span>}
            </td>
            <td>{o.settled ? avgText(0) : "—"}</td>
            <td>{o.baselines.coin_flip.n}</td>
          </tr>
          <tr>
            <th scope="row">Buy and hold</th>
            <td className="muted">—</td>
            <td>{avgText(o.baselines.buy_and_hold.value)}</td>
            <td>{o.baselines.buy_and_hold.n}</td>
          </tr>
        </tbody>
      </table>
    </div>
  );
}

function Calibration({ stats }: { stats: GroupStats }) {
  return (
    <div className="calibration" aria-label="Hit rate by strength">
      <span className="small muted">By strength</span>
      {stats.calibration.map((bucket) => (
        <span key={bucket.low} className="bucket" title={`${bucket.hit_rate.n} calls`}>
          <span className="bucket-bar" aria-hidden="true">
            <span style={{ height: `${Math.round((bucket.hit_rate.value ?? 0) * 100)}%` }} />
          </span>
          <span className="small">
            {Math.round(bucket.low * 100)}–{Math.round(bucket.high * 100)}%: {rateText(bucket.hit_rate)}{" "}
            <span className="muted">n={bucket.hit_rate.n}</span>
          </span>
        </span>
      ))}
    </div>
  );
}

function Groups({ groups }: { groups: GroupStats[] }) {
  return (
    <div className="table-scroll">
      <table className="groups" data-testid="groups">
        <caption>By engine and timeframe</caption>
        <thead>
          <tr>
            <th scope="col">Engine</th>
            <th scope="col">Timeframe</th>
            <th scope="col">Settled</th>
            <th scope="col">Hit rate</th>
            <th scope="col">Always bullish</th>
            <th scope="col">Avg return</th>
            <th scope="col">Buy and hold</th>
          </tr>
        </thead>
        <tbody>
          {groups.map((g) => (
            <tr key={`${g.engine}-${g.timeframe}`} className={g.small_sample ? "small-sample" : ""}>
              <th scope="row">{g.engine}</th>
              <td>{g.timeframe}</td>
              <td>
                {g.settled}
                {g.small_sample && <span className="muted" title="Too few to judge"> (few)</span>}
              </td>
              <td>{rateText(g.hit_rate)}</td>
              <td>{rateText(g.baselines.always_bullish)}</td>
              <td>{avgText(g.follow_return.value)}</td>
              <td>{avgText(g.baselines.buy_and_hold.value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

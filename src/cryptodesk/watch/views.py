"""Stored firings, deliveries and ticks as people see them (`domain.watching`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from cryptodesk.domain.watching import DeliveryView, FollowUp, Notification, WatchItem
from cryptodesk.errors import CryptoDeskError, NotFoundError
from cryptodesk.market.service import MarketDataService
from cryptodesk.store.store import Store
from cryptodesk.store.watch_records import Delivery, Firing
from cryptodesk.watch.followups import bottom_line

log = logging.getLogger(__name__)


def delivery_view(row: Delivery) -> DeliveryView:
    return DeliveryView(
        target_id=row.target_id,
        status=row.status,
        attempts=row.attempts,
        last_error=row.last_error,
        sent_at=row.sent_at,
        next_attempt_at=row.next_attempt_at if row.status == "pending" else None,
        idempotency_key=row.idempotency_key,
    )


async def notifications(store: Store, firings: Sequence[Firing]) -> list[Notification]:
    deliveries = await store.firings.deliveries([f.id for f in firings])
    run_ids = [f.run_id for f in firings if f.run_id]
    frames = await store.runs.result_frames(run_ids)
    statuses: dict[str, str] = {}
    for run_id in run_ids:
        try:
            statuses[run_id] = (await store.runs.get(run_id)).status
        except NotFoundError:
            statuses[run_id] = "deleted"
    views = []
    for firing in firings:
        follow_up = None
        if firing.run_id or firing.follow_up_error or firing.stage == "awaiting_run":
            follow_up = FollowUp(
                run_id=firing.run_id,
                conversation_id=firing.conversation_id,
                status=statuses.get(firing.run_id) if firing.run_id else None,
                bottom_line=bottom_line(frames, firing.run_id) if firing.run_id else None,
                error=firing.follow_up_error,
            )
        views.append(
            Notification(
                id=firing.id,
                kind=firing.kind,
                title=firing.title,
                message=firing.message,
                symbol=firing.symbol,
                fired_at=firing.fired_at,
                market_time=firing.market_time,
                rule_id=firing.rule_id,
                schedule_id=firing.schedule_id,
                values=firing.values,
                data_labels=list(firing.data_labels),
                read=firing.read_at is not None,
                follow_up=follow_up,
                deliveries=[delivery_view(d) for d in deliveries.get(firing.id, [])],
            )
        )
    return views


async def watch_items(store: Store, market: MarketDataService) -> list[WatchItem]:
    entries = await store.watchlist.entries()
    if not entries:
        return []
    coins = [e.coin_id for e in entries]
    ticks = await store.watchlist.latest_ticks(coins)
    try:
        lines = (await market.get_sparklines(coins)).lines
    except CryptoDeskError as exc:  # the prices still show; the lines wait for the next read
        log.info("watchlist sparklines unavailable: %s", exc.message)
        lines = {}
    items = []
    for entry in entries:
        tick = ticks.get(entry.coin_id)
        line = lines.get(entry.coin_id)
        points = list(line.points) if line is not None else []
        if tick is not None and points:
            points.append(tick.price)
        items.append(
            WatchItem(
                coin_id=entry.coin_id,
                symbol=entry.symbol,
                name=entry.name,
                price=tick.price if tick else None,
                change_24h_pct=tick.change_24h_pct if tick else None,
                as_of=tick.as_of if tick else None,
                sparkline=points,
                source=tick.source if tick else None,
                data_labels=list(tick.data_labels) if tick else [],
            )
        )
    return items

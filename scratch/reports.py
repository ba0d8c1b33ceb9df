"""Prints the reports a trader would get (replay and demo), for reading."""
import asyncio, sys
from datetime import UTC, datetime
from pathlib import Path
from cryptodesk.engines.base import HistoryMessage, RunRequest
from cryptodesk.engines.offline.engine import OfflineAnalyst
from cryptodesk.market.demo import DemoProvider
from cryptodesk.market.replay import ReplayProvider
from cryptodesk.market.service import MarketDataService
from cryptodesk.domain.events import Report, ToolFinished
from tests.fakes import MemoryChartStore, RecordingSink

async def main(mode, questions):
    if mode == 'replay':
        m = MarketDataService(ReplayProvider(Path('/work/shared/data/market/binance_spot_1h')), 'replay', 'x')
    else:
        now = datetime(2026, 5, 1, 12, tzinfo=UTC)
        m = MarketDataService(DemoProvider(7, clock=lambda: now), 'demo', 'x')
    eng = OfflineAnalyst(m, MemoryChartStore(), 10)
    history = ()
    for q in questions:
        follow = q.startswith('+')
        q = q.lstrip('+')
        sink = RecordingSink()
        await eng.run(RunRequest('r', 'c', q, history if follow else (), 15), sink)
        rep = sink.of_type(Report)[0]
        print('=' * 100); print('Q:', q, '| kind:', rep.answer_kind, '| labels:', rep.data_labels)
        fails = [e.error for e in sink.of_type(ToolFinished) if not e.success]
        if fails: print('FAILED TOOLS:', fails)
        print(rep.content if '-v' in sys.argv else rep.content[:2500])
        history = (HistoryMessage('user', q), HistoryMessage('assistant', rep.content))

mode = sys.argv[1]
qs = [a for a in sys.argv[2:] if a != '-v']
asyncio.run(main(mode, qs))

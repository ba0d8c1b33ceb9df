"""The track record: calls settled by what the market did next, their statistics next to
baselines, the evaluation schedule and the backtest of the offline analyst."""

"""The watcher's vocabulary that engines and tools share with it: alert conditions
(`conditions`) and the chat phrases that ask for one or confirm it (`phrases`). Kept apart from
`watch` (which runs rules and owns runs and jobs) so the layers below it can use the words
without importing the machinery."""

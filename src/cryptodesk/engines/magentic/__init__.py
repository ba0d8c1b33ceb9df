"""The LLM team: a Magentic-One orchestration on Microsoft Agent Framework.

Every framework type stays inside this package; the rest of CryptoDesk sees an `Engine`. The
framework is imported only when the team is first built, so the CLI and the offline path start
fast.
"""

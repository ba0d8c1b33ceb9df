"""The bottom vocabulary every layer shares: domain events, the structured outlook and how
numbers and times read (`format`)."""

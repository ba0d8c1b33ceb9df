"""The bottom vocabulary every layer shares: domain events and the structured outlook."""

"""Plan runs: their lifecycle (queued, solved, published) and applying a published plan."""

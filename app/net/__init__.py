"""Socket logic on the standard library only: no Qt import anywhere below this package."""

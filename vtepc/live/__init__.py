"""Live readers: BIG-IP (iControl REST) and Kubernetes, read-only (public API documented as it lands)."""

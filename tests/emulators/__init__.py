"""In-test servers on 127.0.0.1 that stand in for a BIG-IP (iControl REST) and a Kubernetes API server."""

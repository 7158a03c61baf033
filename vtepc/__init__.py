"""vtepc: compile one topology YAML into every BIG-IP and Kubernetes artifact a VTEP/BGP integration needs."""

__version__ = "0.1.0"

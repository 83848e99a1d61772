"""Reports: asked over HTTP, written by a worker on `reporting.heavy`, streamed back."""

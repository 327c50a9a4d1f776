"""One construct per concern of the Skylabel stack (DESIGN.md): data, storage, api, imports, workflows,
frontend, observability. Each takes what it needs as arguments and exposes what others need as attributes."""

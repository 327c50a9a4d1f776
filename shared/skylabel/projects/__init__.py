"""Projects: a label config, settings and the counters Label Studio shows beside it."""

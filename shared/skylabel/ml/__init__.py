"""Machine learning in the loop: Label Studio ML-backend connections, prediction jobs, interactive
pre-annotation, training events, uncertainty sampling and auto-accept (see the modules' own notes)."""

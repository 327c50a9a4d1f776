"""The CDK app of Skylabel (import it as `infrastructure`, from the repository root).

A package so that `infrastructure.constructs` never shadows the `constructs` library: nothing puts this
folder itself on `sys.path` (app.py removes it when run as a script).
"""

"""Users, organizations and API tokens (legacy `Token` keys and the SDK's personal-access-token flow)."""

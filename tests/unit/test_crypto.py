"""Token and password primitives: strict JWT checks, hashed storage."""

from skylabel.users import crypto

SECRET = b"k" * 32


def test_jwt_round_trip_and_strict_checks():
    token = crypto.encode_jwt({"token_type": "access", "exp": 200, "user_id": "1"}, SECRET)
    assert crypto.decode_jwt(token, SECRET, token_type="access", now=100)["user_id"] == "1"
    assert crypto.decode_jwt(token, SECRET, token_type="access", now=200) is None  # expired
    assert crypto.decode_jwt(token, SECRET, token_type="refresh", now=100) is None  # wrong kind
    assert crypto.decode_jwt(token, b"other" * 8, token_type="access", now=100) is None  # wrong key
    header, payload, signature = token.split(".")
    forged = crypto.encode_jwt({"token_type": "access", "exp": 10**12, "user_id": "2"}, b"x")
    assert crypto.decode_jwt(f"{header}.{forged.split('.')[1]}.{signature}", SECRET, token_type="access",
                             now=100) is None
    assert crypto.decode_jwt("not-a-jwt", SECRET, token_type="access", now=0) is None


def test_passwords_and_tokens_are_stored_hashed():
    stored = crypto.hash_password("correct horse")
    assert "correct horse" not in stored and stored.startswith("scrypt$")
    assert crypto.verify_password("correct horse", stored)
    assert not crypto.verify_password("wrong", stored)
    token = crypto.new_legacy_token()
    assert len(token) == 40 and crypto.hash_token(token) != token

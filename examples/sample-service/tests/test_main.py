from app.main import app


def test_health_is_mounted():
    assert "/health" in [getattr(route, "path", None) for route in app.routes]

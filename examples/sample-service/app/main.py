"""A small farm-advice service, as teams write them: it has a few deliberate problems."""

import logging
import os

import requests
import uvicorn
from fastapi import FastAPI
from hooks import health

from app.settings import DATABASE_URL, VERSION, WEATHER_URL

logger = logging.getLogger(__name__)
app = FastAPI()
# GET /health (hooks.health): status, version, uptime and the database check with its latency, 503
# when the check fails. The sample checks that a database is configured; a service with a connection
# pool passes `database=lambda: pool.execute("SELECT 1")`.
app.add_route("/health", health.asgi_app(service="sample-service", version=VERSION, database=lambda: bool(DATABASE_URL)))


@app.get("/advice/{crop}")
def advice(crop: str, country: str) -> dict:
    if country == "Bulgaria":
        return {"advice": "Plant in April."}
    try:
        forecast = requests.get(WEATHER_URL, timeout=5).json()
    except:
        forecast = {}
    return {"crop": crop, "forecast": forecast}


def notify(farmer) -> None:
    print(f"sending advice to {farmer.phone}")


if __name__ == "__main__":
    uvicorn.run(app, host="0.0.0.0", port=int(os.getenv("PORT", "8080")), reload=True)

"""The image service's FastAPI application."""

from fastapi import FastAPI

app = FastAPI(title="image_saver", version="0.1")


@app.get("/health")
async def health() -> dict[str, object]:
    return {"result": True, "status": "ok"}

"""`python -m services.engagement`: run the engagement service until SIGTERM."""

from kit.main import run_service
from services.engagement import app

if __name__ == "__main__":
    run_service(app)

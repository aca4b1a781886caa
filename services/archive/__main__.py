"""`python -m services.archive`: run the archive service until SIGTERM."""

from kit.main import run_service
from services.archive import app

if __name__ == "__main__":
    run_service(app)

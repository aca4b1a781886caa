"""`python -m services.compliance`: run the compliance calendar service until SIGTERM."""

from kit.main import run_service
from services.compliance import app

if __name__ == "__main__":
    run_service(app)

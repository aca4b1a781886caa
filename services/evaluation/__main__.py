"""`python -m services.evaluation`: run the evaluation service until SIGTERM."""

from kit.main import run_service
from services.evaluation import app

if __name__ == "__main__":
    run_service(app)

"""What every bench script does before it imports the app: find the project (after PYTHONPATH, so a checkout
given there wins) and run with development settings, whatever the shell exports. Import it first."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(ROOT))
for name in ("PORTAL_ENV", "REDIS_URL", "SMTP_HOST"):
    os.environ.pop(name, None)
os.environ["SECRET_KEY"] = "bench-secret-key-bench-secret-key-123"
os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")

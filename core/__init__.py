"""Ground floor: pieces every app may import (it imports nothing of ours)."""

"""prisma-down: exact down.sql for Prisma migrations."""

__version__ = "0.1.0"

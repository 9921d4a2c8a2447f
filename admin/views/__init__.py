"""The admin screens, one module per aggregate."""

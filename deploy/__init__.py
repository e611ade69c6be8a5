"""Deployment helpers: nginx in front of several Rasa servers (deploy/nginx/, docs/deploy.md)."""

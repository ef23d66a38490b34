"""In-app notifications (站内通知) for departments, users and centre roles."""

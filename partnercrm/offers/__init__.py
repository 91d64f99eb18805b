"""Offers of employers, colleges and universities; school bookings and speaker requests."""

"""Access control: none on loopback; elsewhere an access token (Bearer header, or the HttpOnly
session cookie the /login form sets) for every REST call and WebSocket handshake."""

"""The service desk: complaints, requests and suggestions, with their response times."""

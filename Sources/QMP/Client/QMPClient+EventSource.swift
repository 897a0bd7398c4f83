// Filled in when QMPEvents' EventSource lands.

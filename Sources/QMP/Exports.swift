// `import QMP` is all a client needs: the client, the wire model and the events API.
@_exported public import QMPCore
@_exported public import QMPEvents

// `import QMPGuestAgentTypes` brings the wire model and the shared QAPI support types.
@_exported public import QMP
@_exported public import QMPTypesSupport

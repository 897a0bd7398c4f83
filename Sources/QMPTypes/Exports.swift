// `import QMPTypes` is enough to use the typed commands with the client.
@_exported public import QMP
@_exported public import QMPTypesSupport

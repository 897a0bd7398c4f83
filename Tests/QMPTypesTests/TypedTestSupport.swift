import QMPTypes

/// `json` decoded as `type`, the way a typed reply is.
func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
    try JSONValueDecoder().decode(type, from: try JSONParser.parse(Array(json.utf8)))
}

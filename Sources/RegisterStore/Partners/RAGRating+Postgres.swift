import PostgresNIO
import RegisterDomain

// Read back as its raw text, as the other vocabularies are (Postgres+Domain.swift).
extension RAGRating: PostgresDecodable {}

/// Gives the rows of one table their destination ids: a row keeps its source id when the destination has no row
/// with that id, else takes the next fresh id above the largest of both stores (so a fresh id can never meet a
/// kept one).
struct TransferIDAllocator {
    let table: String
    private var next: Int64

    /// Starts above the largest id of `table` in either store.
    init(_ table: String, source: any StoreTransaction, target: any StoreTransaction) throws {
        self.table = table
        let largest = max(try source.value(Int64.self, "SELECT MAX(id) FROM \(table)") ?? 0,
                          try target.value(Int64.self, "SELECT MAX(id) FROM \(table)") ?? 0)
        next = largest + 1
    }

    /// Destination ids for the source ids `ids` (distinct), in one query for the ones already taken.
    mutating func assign(_ ids: [Int64], in target: any StoreTransaction) throws -> [Int64: Int64] {
        var taken = Set<Int64>()
        for chunk in ids.inChunks() {
            let list = TransferCopy.membership("id", Array(chunk))
            try target.forEachRow("SELECT id FROM \(table) WHERE \(list.sql)", list.arguments) { row in
                taken.insert(try row["id"])
            }
        }
        var assigned: [Int64: Int64] = [:]
        for id in ids {
            if taken.contains(id) {
                assigned[id] = next
                next += 1
            } else {
                assigned[id] = id
            }
        }
        return assigned
    }

    /// `rows` with their `id` column replaced by destination ids; returns the map too.
    mutating func assigningIDs(_ rows: [SQLRow], in target: any StoreTransaction) throws -> (rows: [SQLRow], ids: [Int64: Int64]) {
        let ids = try assign(try rows.map { try $0["id"] as Int64 }, in: target)
        return (try rows.map { try $0.mapping("id", through: ids, table: table) }, ids)
    }
}

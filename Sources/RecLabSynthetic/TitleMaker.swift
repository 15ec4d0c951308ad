import RecLabCore

/// Made-up film titles ("The Silent Harbour", "Echoes of the North"): readable in reports, clearly not real.
enum TitleMaker {
    static let adjectives = [
        "Silent", "Crimson", "Last", "Hidden", "Broken", "Golden", "Distant", "Electric", "Quiet", "Savage",
        "Frozen", "Burning", "Lost", "Midnight", "Hollow", "Velvet", "Iron", "Paper", "Wild", "Bright",
        "Fading", "Secret", "Restless", "Lonely", "Northern", "Endless", "Little", "Dark", "Bitter", "Gentle",
    ]
    static let nouns = [
        "Harbour", "River", "Garden", "Station", "Mirror", "Kingdom", "Summer", "Witness", "Horizon", "Lantern",
        "Orchard", "Circus", "Voyage", "Signal", "Border", "Empire", "Island", "Letter", "Machine", "Canyon",
        "Winter", "Shadow", "Promise", "Frontier", "Archive", "Engine", "Valley", "Tide", "Compass", "Heart",
    ]
    static let places = ["the North", "the Deep", "Tomorrow", "the City", "the Sea", "Glass", "Stone", "Ashes", "the Past", "Light"]

    static func title(_ rng: inout SeededRandom) -> String {
        let a = adjectives[rng.nextInt(adjectives.count)], n = nouns[rng.nextInt(nouns.count)]
        switch rng.nextInt(6) {
        case 0, 1: return "The \(a) \(n)"
        case 2: return "\(a) \(n)"
        case 3: return "\(n)s of \(places[rng.nextInt(places.count)])"
        case 4: return "The \(n) of \(places[rng.nextInt(places.count)])"
        default: return "\(a) \(n) \(["II", "III", "Returns", "Rising"][rng.nextInt(4)])"
        }
    }
}

import ChorusCore
import Hummingbird

/// An app a node serves beside its own routes — its pages, its hooks, and how its changes are
/// rendered. The live-document demo is one (`ChorusDemo`).
public protocol ChorusApp: Sendable {
    /// What the app does when streams open and close and events are published.
    var hooks: ChorusHooks { get }
    /// How the app's changes are rendered (`nil` sends them as they are).
    var changeRenderer: ChangeRenderer? { get }
    /// Adds the app's routes; the app serves `/` (the node's console stays at `/console`).
    func addRoutes(to router: Router<ChorusRequestContext>)
}

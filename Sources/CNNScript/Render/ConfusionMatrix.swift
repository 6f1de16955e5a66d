import CNNKit
import Foundation

/// The text of `evaluate`'s result: loss and accuracy, then the confusion matrix with the class names
/// (rows: the true class, columns: the predicted one, as scikit-learn lays it out) and each class's
/// recall (the diagonal over the row's total).
///
/// ```
/// loss 0.3412  accuracy 0.8790 (8,790 of 10,000)
/// confusion matrix (rows: true class, columns: predicted)
///                   0    1   recall
///   0 circle       48    2   0.9600
///   1 square        3   47   0.9400
/// ```
enum ConfusionMatrix {
    /// More classes than this print as a note instead of a table too wide to read.
    static let maxClasses = 30

    static func report(_ e: Evaluation) -> String {
        let k = e.confusion.count
        let total = e.confusion.reduce(0) { $0 + $1.reduce(0, +) }
        let correct = (0..<k).reduce(0) { $0 + (($1 < e.confusion[$1].count) ? e.confusion[$1][$1] : 0) }
        var lines = [String(format: "loss %.4f  accuracy %.4f", Double(e.loss), Double(e.accuracy))
                     + " (\(Shape.grouped(correct)) of \(Shape.grouped(total)))"]
        guard k > 0 else { return lines[0] }
        guard k <= maxClasses else {
            lines.append("confusion matrix: \(k) classes, too many to print (see .confusion)")
            return lines.joined(separator: "\n")
        }
        lines.append("confusion matrix (rows: true class, columns: predicted)")
        lines += table(e.confusion, classNames: e.classNames)
        return lines.joined(separator: "\n")
    }

    static func table(_ m: [[Int]], classNames: [String]) -> [String] {
        let k = m.count
        func count(_ r: Int, _ c: Int) -> Int { c < m[r].count ? m[r][c] : 0 }
        let labels = (0..<k).map { i in "\(i) " + (i < classNames.count && classNames[i] != String(i) ? classNames[i] : "") }
        let labelWidth = labels.map(\.count).max() ?? 0
        let cellWidth = max(String(k - 1).count, (0..<k).flatMap { r in (0..<k).map { String(count(r, $0)).count } }.max() ?? 1)
        func right(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
        func left(_ s: String, _ w: Int) -> String { s + String(repeating: " ", count: max(0, w - s.count)) }
        var lines = ["  " + left("", labelWidth) + (0..<k).map { "  " + right(String($0), cellWidth) }.joined() + "   recall"]
        for r in 0..<k {
            let rowTotal = (0..<k).reduce(0) { $0 + count(r, $1) }
            let recall = rowTotal > 0 ? String(format: "%.4f", Double(count(r, r)) / Double(rowTotal)) : "     -"
            lines.append("  " + left(labels[r], labelWidth) + (0..<k).map { "  " + right(String(count(r, $0)), cellWidth) }.joined()
                         + "   " + recall)
        }
        return lines
    }
}

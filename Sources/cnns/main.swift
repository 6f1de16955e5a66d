// TEMPORARY: replaced by the CLI owner.
import CNNKit
import CNNScript
print("cnns")

#include "state/state_tree.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <future>
#include <system_error>

#include "core/limits.h"
#include "state/node_cache.h"
#include "state/tree_node.h"

namespace govchain::state {
namespace {

ByteView as_view(std::string_view text) { return ByteView(reinterpret_cast<const uint8_t*>(text.data()), text.size()); }

// The store key of a node, built on the stack: this runs for every node.
using NodeStoreKey = std::array<uint8_t, store_keys::node_prefix.size() + Hash::size_bytes>;
NodeStoreKey node_store_key(const Hash& hash) {
  NodeStoreKey key;
  std::memcpy(key.data(), store_keys::node_prefix.data(), store_keys::node_prefix.size());
  std::memcpy(key.data() + store_keys::node_prefix.size(), hash.data.data(), Hash::size_bytes);
  return key;
}

// A leaf that will exist below the subtree being rebuilt: a changed key
// (change != nullptr; a deletion if its value is nullopt) or a leaf already
// in the tree that the changes do not touch (existing != nullptr).
struct LeafSource {
  Hash key_hash;
  const StateChange* change = nullptr;
  NodePointer existing;
};

// The hash of a rebuilt subtree and whether it is a single leaf (which moves
// up when its sibling is empty).
struct Subtree {
  Hash hash;
  bool is_leaf = false;
};

Status change_error(Code code, size_t index, const std::string& message) {
  return error(code, "state change " + std::to_string(index) + ": " + message);
}

Status check_changes(std::span<const StateChange> changes) {
  for (size_t index = 0; index < changes.size(); ++index) {
    const StateChange& change = changes[index];
    if (change.key.empty()) return change_error(Code::invalid_argument, index, "the key is empty");
    if (change.key.size() > limits::state_key_size_bytes_max)
      return change_error(Code::too_large, index,
                          "the key has " + std::to_string(change.key.size()) + " bytes, more than " +
                              std::to_string(limits::state_key_size_bytes_max));
    if (change.value && change.value->size() > limits::state_value_size_bytes_max)
      return change_error(Code::too_large, index,
                          "the value has " + std::to_string(change.value->size()) + " bytes, more than " +
                              std::to_string(limits::state_value_size_bytes_max));
    if (index > 0 && !storage::BytesLess()(changes[index - 1].key, change.key))
      return change_error(Code::invalid_argument, index,
                          "keys are not strictly ascending (sort them, one change per key)");
  }
  return Status();
}

// Reads nodes through the cache, and (for apply) writes new nodes into a
// batch and the cache. One per operation; not shared between threads.
class TreeAccess {
 public:
  TreeAccess(const storage::KeyValueStore& store, NodeCache& cache, storage::WriteBatch* batch)
      : store_(store), cache_(cache), batch_(batch) {}

  Result<NodePointer> load(const Hash& hash) {
    assert(!hash.is_zero());
    if (NodePointer cached = cache_.find(hash)) return cached;
    GOVCHAIN_ASSIGN_OR_RETURN(std::optional<Bytes> encoded, store_.get(node_store_key(hash)));
    if (!encoded) return error(Code::not_found, "state node " + hash.hex() + " is not stored");
    GOVCHAIN_ASSIGN_OR_RETURN(TreeNode node, decode_node(*encoded, hash));
    auto pointer = std::make_shared<const TreeNode>(std::move(node));
    cache_.insert(pointer);
    return NodePointer(pointer);
  }

  Hash store_new(TreeNode node) {
    assert(batch_ != nullptr);
    Hash hash = node.hash();
    if (node.is_leaf()) {
      batch_->put(node_store_key(hash), encode_node(node));
    } else {
      std::array<uint8_t, 1 + 2 * Hash::size_bytes> encoded;  // encode_node's inner form, without allocating
      encoded[0] = static_cast<uint8_t>(TreeNode::Kind::inner);
      std::memcpy(encoded.data() + 1, node.left().data.data(), Hash::size_bytes);
      std::memcpy(encoded.data() + 1 + Hash::size_bytes, node.right().data.data(), Hash::size_bytes);
      batch_->put(node_store_key(hash), encoded);
    }
    cache_.insert(std::make_shared<const TreeNode>(std::move(node)));
    return hash;
  }

  // Loads a node below the root; a missing one means the store lost data.
  Result<NodePointer> load_child(const Hash& hash) {
    auto node = load(hash);
    if (!node.ok() && node.status().code() == Code::not_found)
      return error(Code::corruption, node.status().message() + " although a stored parent references it");
    return node;
  }

  Result<Subtree> update(const Hash& hash, uint32_t depth, std::span<LeafSource> sources);
  Result<Subtree> build(uint32_t depth, std::span<LeafSource> sources);

 private:
  Result<Subtree> combine(const Subtree& left, const Subtree& right);
  Result<Subtree> update_leaf(const NodePointer& leaf, uint32_t depth, std::span<LeafSource> sources);
  Status update_in_parallel(const TreeNode& node, uint32_t depth, std::span<LeafSource> left_sources,
                            std::span<LeafSource> right_sources, Subtree& left, Subtree& right);
  Result<Subtree> unchanged(const Hash& hash);

  const storage::KeyValueStore& store_;
  NodeCache& cache_;
  storage::WriteBatch* batch_;
};

size_t split_point(std::span<LeafSource> sources, uint32_t depth) {
  auto first_right = std::partition_point(
      sources.begin(), sources.end(), [depth](const LeafSource& source) { return !path_bit(source.key_hash, depth); });
  return static_cast<size_t>(first_right - sources.begin());
}

Result<Subtree> TreeAccess::unchanged(const Hash& hash) {
  if (hash.is_zero()) return Subtree{};
  GOVCHAIN_ASSIGN_OR_RETURN(NodePointer node, load_child(hash));
  return Subtree{hash, node->is_leaf()};
}

// Joins two rebuilt children: an empty pair is empty, a single leaf next to
// an empty sibling moves up, anything else becomes a new inner node.
Result<Subtree> TreeAccess::combine(const Subtree& left, const Subtree& right) {
  if (left.hash.is_zero() && right.hash.is_zero()) return Subtree{};
  if (right.hash.is_zero() && left.is_leaf) return left;
  if (left.hash.is_zero() && right.is_leaf) return right;
  return Subtree{store_new(TreeNode::make_inner(left.hash, right.hash)), false};
}

// Rebuilds the subtree at `depth` whose leaves are exactly `sources`
// (deletions among them are dropped). Sources are sorted by key hash.
Result<Subtree> TreeAccess::build(uint32_t depth, std::span<LeafSource> sources) {
  size_t live_count = 0;
  LeafSource* single = nullptr;
  for (LeafSource& source : sources)
    if (source.existing || source.change->value) {
      ++live_count;
      single = &source;
    }
  if (live_count == 0) return Subtree{};
  if (live_count == 1) {
    if (single->existing) return Subtree{single->existing->hash(), true};
    return Subtree{store_new(TreeNode::make_leaf(single->change->key, *single->change->value)), true};
  }
  if (depth >= tree_depth_max) return error(Code::internal, "two distinct keys share a 256-bit key hash");
  size_t split = split_point(sources, depth);
  GOVCHAIN_ASSIGN_OR_RETURN(Subtree left, build(depth + 1, sources.subspan(0, split)));
  GOVCHAIN_ASSIGN_OR_RETURN(Subtree right, build(depth + 1, sources.subspan(split)));
  return combine(left, right);
}

// A leaf sits where changes arrive: it stays as a source unless a change
// replaces or deletes its key.
Result<Subtree> TreeAccess::update_leaf(const NodePointer& leaf, uint32_t depth, std::span<LeafSource> sources) {
  auto position =
      std::lower_bound(sources.begin(), sources.end(), leaf->key_hash(),
                       [](const LeafSource& source, const Hash& key_hash) { return source.key_hash < key_hash; });
  if (position != sources.end() && position->key_hash == leaf->key_hash()) return build(depth, sources);
  std::vector<LeafSource> merged(sources.begin(), position);
  merged.push_back(LeafSource{leaf->key_hash(), nullptr, leaf});
  merged.insert(merged.end(), position, sources.end());
  return build(depth, merged);
}

// Big blocks rewrite the two halves of the upper tree on separate threads
// (up to 4 at depth 2). The result does not depend on it: the hashes are the
// same, and the order of node writes within a batch does not matter.
constexpr uint32_t parallel_depth_max = 2;
constexpr size_t parallel_sources_min = 256;

bool worth_parallel(uint32_t depth, std::span<LeafSource> left_sources, std::span<LeafSource> right_sources) {
  return depth < parallel_depth_max && left_sources.size() >= parallel_sources_min &&
         right_sources.size() >= parallel_sources_min;
}

// Updates the left child on a helper thread with its own batch, the right
// child on this thread, then appends the helper's batch to this one. Falls
// back to one thread if no thread can be started.
Status TreeAccess::update_in_parallel(const TreeNode& node, uint32_t depth, std::span<LeafSource> left_sources,
                                      std::span<LeafSource> right_sources, Subtree& left, Subtree& right) {
  storage::WriteBatch left_batch;
  TreeAccess left_access(store_, cache_, &left_batch);
  std::future<Result<Subtree>> left_future;
  try {
    left_future = std::async(std::launch::async, [&left_access, &node, depth, left_sources] {
      return left_access.update(node.left(), depth + 1, left_sources);
    });
  } catch (const std::system_error&) {
    GOVCHAIN_ASSIGN_OR_RETURN(left, update(node.left(), depth + 1, left_sources));
    GOVCHAIN_ASSIGN_OR_RETURN(right, update(node.right(), depth + 1, right_sources));
    return Status();
  }
  auto right_result = update(node.right(), depth + 1, right_sources);
  auto left_result = left_future.get();  // always joined before the batch and spans go away
  if (!left_result.ok()) return left_result.status();
  if (!right_result.ok()) return right_result.status();
  left = *left_result;
  right = *right_result;
  batch_->append(left_batch);
  return Status();
}

// The new root of the subtree `hash` at `depth` after applying `sources`
// (all changes, sorted by key hash, all on this subtree's path).
Result<Subtree> TreeAccess::update(const Hash& hash, uint32_t depth, std::span<LeafSource> sources) {
  if (sources.empty()) return unchanged(hash);
  if (hash.is_zero()) return build(depth, sources);
  GOVCHAIN_ASSIGN_OR_RETURN(NodePointer node, load_child(hash));
  if (node->is_leaf()) return update_leaf(node, depth, sources);
  if (depth >= tree_depth_max) return error(Code::corruption, "state tree deeper than 256 levels");
  size_t split = split_point(sources, depth);
  std::span<LeafSource> left_sources = sources.subspan(0, split);
  std::span<LeafSource> right_sources = sources.subspan(split);
  // An untouched side keeps its hash; it is loaded only to learn whether it
  // is a leaf, which matters only if the other side became empty.
  Subtree left{node->left(), false};
  Subtree right{node->right(), false};
  if (worth_parallel(depth, left_sources, right_sources)) {
    GOVCHAIN_TRY(update_in_parallel(*node, depth, left_sources, right_sources, left, right));
  } else {
    if (!left_sources.empty()) {
      GOVCHAIN_ASSIGN_OR_RETURN(left, update(node->left(), depth + 1, left_sources));
    }
    if (!right_sources.empty()) {
      GOVCHAIN_ASSIGN_OR_RETURN(right, update(node->right(), depth + 1, right_sources));
    }
  }
  if (left.hash.is_zero() && right_sources.empty()) {
    GOVCHAIN_ASSIGN_OR_RETURN(right, unchanged(right.hash));
  }
  if (right.hash.is_zero() && left_sources.empty()) {
    GOVCHAIN_ASSIGN_OR_RETURN(left, unchanged(left.hash));
  }
  return combine(left, right);
}

}  // namespace

void sort_changes(std::vector<StateChange>& changes) {
  std::sort(changes.begin(), changes.end(), [](const StateChange& left, const StateChange& right) {
    return storage::BytesLess()(left.key, right.key);
  });
}

StateTree::StateTree(storage::KeyValueStore& store, StateTreeOptions options)
    : store_(store), cache_(std::make_unique<NodeCache>(options.cache_size_bytes_max)) {}

StateTree::~StateTree() = default;

// Room for about a dozen new nodes per change (measured: 9 on a tree of 10^6
// keys), so that a big block does not regrow the batch buffer many times.
static void reserve_for(std::span<const StateChange> changes, storage::WriteBatch& batch) {
  const size_t nodes_per_change = 12;
  const size_t node_size_bytes = 4 + 32 + 65;
  size_t value_size_bytes = 0;
  for (const StateChange& change : changes)
    value_size_bytes += 2 * (change.key.size() + (change.value ? change.value->size() : 0));
  size_t operation_count = batch.operation_count() + changes.size() * (nodes_per_change + 1) + 1;
  batch.reserve(operation_count,
                batch.size_bytes() + changes.size() * nodes_per_change * node_size_bytes + value_size_bytes);
}

static void put_flat_index(std::span<const StateChange> changes, const Hash& new_root, storage::WriteBatch& batch) {
  for (const StateChange& change : changes) {
    Bytes key = storage::prefixed_key(as_view(store_keys::value_prefix), change.key);
    if (change.value)
      batch.put(key, *change.value);
    else
      batch.erase(key);
  }
  batch.put(as_view(store_keys::latest_root), new_root.view());
}

Result<Hash> StateTree::apply(const Hash& base_root, std::span<const StateChange> changes, storage::WriteBatch& batch) {
  GOVCHAIN_TRY(check_changes(changes));
  std::vector<LeafSource> sources;
  sources.reserve(changes.size());
  for (const StateChange& change : changes) sources.push_back(LeafSource{state_key_hash(change.key), &change, nullptr});
  std::sort(sources.begin(), sources.end(),
            [](const LeafSource& left, const LeafSource& right) { return left.key_hash < right.key_hash; });
  TreeAccess access(store_, *cache_, &batch);
  if (!base_root.is_zero()) {
    auto root_node = access.load(base_root);
    if (!root_node.ok()) return root_node.status().with_context("base state root " + base_root.hex());
  }
  reserve_for(changes, batch);
  const size_t operation_count_before = batch.operation_count();
  auto new_root = access.update(base_root, 0, sources);
  if (!new_root.ok()) {
    batch.truncate(operation_count_before);  // leave the caller's batch as it was
    return new_root.status();
  }
  put_flat_index(changes, new_root->hash, batch);
  return new_root->hash;
}

Result<std::optional<Bytes>> StateTree::get_latest(ByteView key) const {
  return store_.get(storage::prefixed_key(as_view(store_keys::value_prefix), key));
}

Result<Hash> StateTree::latest_root() const {
  GOVCHAIN_ASSIGN_OR_RETURN(std::optional<Bytes> stored, store_.get(as_view(store_keys::latest_root)));
  if (!stored) return empty_root();
  if (stored->size() != Hash::size_bytes)
    return error(Code::corruption, "the stored latest state root has " + std::to_string(stored->size()) + " bytes");
  return Hash::from_view(*stored);
}

Result<std::optional<Bytes>> StateTree::get_at(const Hash& root, ByteView key) const {
  GOVCHAIN_ASSIGN_OR_RETURN(ProvenValue proven, prove(root, key));
  return std::move(proven.value);
}

Result<ProvenValue> StateTree::prove(const Hash& root, ByteView key) const {
  TreeAccess access(store_, *cache_, nullptr);
  const Hash key_hash = state_key_hash(key);
  ProvenValue result;
  Hash current = root;
  for (uint32_t depth = 0; depth <= tree_depth_max; ++depth) {
    if (current.is_zero()) return result;  // terminal empty, value absent
    auto node = depth == 0 ? access.load(current) : access.load_child(current);
    if (!node.ok()) return node.status().with_context("state root " + root.hex());
    if ((*node)->is_leaf()) {
      if ((*node)->key_hash() == key_hash) {
        result.value = Bytes((*node)->value().begin(), (*node)->value().end());
        result.proof.terminal = ProofTerminal::key_leaf;
      } else {
        result.proof.terminal = ProofTerminal::other_leaf;
        result.proof.other_key_hash = (*node)->key_hash();
        result.proof.other_value_hash = (*node)->value_hash();
      }
      return result;
    }
    if (depth == tree_depth_max) break;
    bool right = path_bit(key_hash, depth);
    result.proof.siblings.push_back(right ? (*node)->left() : (*node)->right());
    current = right ? (*node)->right() : (*node)->left();
  }
  return error(Code::corruption, "state tree under root " + root.hex() + " is deeper than 256 levels");
}

Result<bool> StateTree::contains_root(const Hash& root) const {
  if (root.is_zero()) return true;
  TreeAccess access(store_, *cache_, nullptr);
  auto node = access.load(root);
  if (node.ok()) return true;
  if (node.status().code() == Code::not_found) return false;
  return node.status();
}

CacheStatistics StateTree::cache_statistics() const { return cache_->statistics(); }

}  // namespace govchain::state

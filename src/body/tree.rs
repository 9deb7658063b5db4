//! A body's flat blocks as the tree the editor shows: quotes and lists around text blocks.
//! The same grouping as the UI's binding (`ui/src/body/outline.ts`): consecutive blocks share
//! a container while their `wrap` paths share it; a block whose path holds a list starts a new
//! item of its innermost list unless it is `cont` (it continues the item: a second paragraph,
//! or a quote or nested list inside the item).

use super::{Block, Wrap};

/// A node of a body's outline.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Block(Block),
    /// A quote (one item) or a list (one entry per list item), holding nodes.
    Container {
        wrap: Wrap,
        items: Vec<Vec<Node>>,
    },
}

struct Frame {
    wrap: Wrap,
    items: Vec<Vec<Node>>,
}

/// Groups flat blocks into containers.
pub fn outline(blocks: Vec<Block>) -> Vec<Node> {
    let mut root: Vec<Node> = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    for block in blocks {
        let path = block.attrs.wrap.clone();
        let mut keep = stack
            .iter()
            .zip(path.iter())
            .take_while(|(f, w)| f.wrap == **w)
            .count();
        // a block that does not continue its innermost list item starts the next item of
        // that list: containers inside the current item close
        let list = path.iter().rposition(|w| w.is_list());
        let new_item = list.filter(|_| !block.attrs.cont);
        if let Some(l) = new_item {
            keep = keep.min(l + 1);
        }
        while stack.len() > keep {
            close(&mut stack, &mut root);
        }
        if let Some(l) = new_item {
            if keep == l + 1 {
                stack[l].items.push(Vec::new());
            }
        }
        while keep < path.len() {
            stack.push(Frame {
                wrap: path[keep],
                items: vec![Vec::new()],
            });
            keep += 1;
        }
        push(&mut stack, &mut root, Node::Block(block));
    }
    while !stack.is_empty() {
        close(&mut stack, &mut root);
    }
    root
}

fn push(stack: &mut [Frame], root: &mut Vec<Node>, node: Node) {
    match stack.last_mut() {
        Some(f) => match f.items.last_mut() {
            Some(item) => item.push(node),
            None => f.items.push(vec![node]),
        },
        None => root.push(node),
    }
}

fn close(stack: &mut Vec<Frame>, root: &mut Vec<Node>) {
    if let Some(f) = stack.pop() {
        let node = Node::Container {
            wrap: f.wrap,
            items: f.items,
        };
        push(stack, root, node);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::{BlockAttrs, Run};

    fn b(text: &str, wrap: &[Wrap], cont: bool) -> Block {
        Block {
            attrs: BlockAttrs {
                wrap: wrap.to_vec(),
                cont,
                ..BlockAttrs::paragraph()
            },
            runs: vec![Run {
                text: text.into(),
                marks: Default::default(),
            }],
        }
    }

    fn shape(nodes: &[Node]) -> String {
        nodes
            .iter()
            .map(|n| match n {
                Node::Block(b) => b.text(),
                Node::Container { wrap, items } => format!(
                    "{}[{}]",
                    wrap.as_str(),
                    items.iter().map(|i| shape(i)).collect::<Vec<_>>().join("|")
                ),
            })
            .collect::<Vec<_>>()
            .join(",")
    }

    #[test]
    fn lists_items_nesting_and_quotes() {
        use Wrap::*;
        let blocks = vec![
            b("a", &[], false),
            b("1", &[Bullet], false),
            b("1b", &[Bullet], true),
            b("1.1", &[Bullet, Ordered], false),
            b("1.2", &[Bullet, Ordered], false),
            b("1c", &[Bullet], true),
            b("2", &[Bullet], false),
            b("3q", &[Bullet, Quote], false),
            b("3q2", &[Bullet, Quote], true),
            b("4", &[Bullet], false),
            b("4q", &[Bullet, Quote], true),
            b("q", &[Quote], false),
            b("q2", &[Quote], false),
            b("z", &[], false),
        ];
        assert_eq!(
            shape(&outline(blocks)),
            "a,bullet[1,1b,ordered[1.1|1.2],1c|2|quote[3q,3q2]|4,quote[4q]],quote[q,q2],z"
        );
    }
}

/** Past conversations, newest first: open, rename, export as markdown, delete. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Download, Pencil, Trash2 } from "lucide-react";
import { useState } from "react";
import { api, type ConversationOut } from "../../lib/api";
import { formatDateTime } from "../../lib/format";
import { CONVERSATIONS_KEY } from "./useConversationLoader";

interface Props {
  currentId: string | null;
  onOpen: (id: string | null) => void;
}

export function HistoryList({ currentId, onOpen }: Props) {
  const queryClient = useQueryClient();
  const list = useQuery({ queryKey: CONVERSATIONS_KEY, queryFn: () => api.conversations(), refetchInterval: 30_000 });
  const refresh = () => queryClient.invalidateQueries({ queryKey: CONVERSATIONS_KEY });
  const rename = useMutation({
    mutationFn: ({ id, title }: { id: string; title: string }) => api.rename(id, title),
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: (id: string) => api.remove(id),
    onSuccess: (_data, id) => {
      if (id === currentId) onOpen(null);
    },
    onSettled: refresh,
  });

  // Newest first: the server sorts, this keeps it true after local renames.
  const items = [...(list.data?.items ?? [])].sort((a, b) => b.updated_at.localeCompare(a.updated_at));
  return (
    <div className="history" data-testid="history">
      {list.isError && (
        <p className="down" role="alert">
          Could not load conversations: {list.error.message}
        </p>
      )}
      {remove.isError && (
        <p className="down" role="alert">
          {remove.error.message}
        </p>
      )}
      {list.isSuccess && items.length === 0 && <p className="empty">No conversations yet: ask a question to start one.</p>}
      <ul aria-label="Conversations">
        {items.map((c) => (
          <Row
            key={c.id}
            conversation={c}
            current={c.id === currentId}
            onOpen={() => onOpen(c.id)}
            onRename={(title) => rename.mutate({ id: c.id, title })}
            onDelete={() => remove.mutate(c.id)}
          />
        ))}
      </ul>
    </div>
  );
}

interface RowProps {
  conversation: ConversationOut;
  current: boolean;
  onOpen: () => void;
  onRename: (title: string) => void;
  onDelete: () => void;
}

function Row({ conversation: c, current, onOpen, onRename, onDelete }: RowProps) {
  const [editing, setEditing] = useState(false);
  const [title, setTitle] = useState(c.title);
  const [confirming, setConfirming] = useState(false);

  const save = () => {
    const next = title.trim();
    setEditing(false);
    if (next && next !== c.title) onRename(next.slice(0, 200));
  };

  return (
    <li className={current ? "current" : ""} data-testid="history-item" data-id={c.id}>
      {editing ? (
        <div className="rename">
          <input
            aria-label="Conversation title"
            value={title}
            // The rename field replaces the title the user just chose to edit.
            // eslint-disable-next-line jsx-a11y/no-autofocus
            autoFocus
            maxLength={200}
            onChange={(e) => setTitle(e.target.value)}
            onBlur={save}
            onKeyDown={(e) => {
              if (e.key === "Enter") save();
              if (e.key === "Escape") {
                setTitle(c.title);
                setEditing(false);
              }
            }}
          />
        </div>
      ) : (
        <button type="button" className="open" onClick={onOpen} aria-current={current ? "true" : undefined}>
          <span className="t" title={c.title}>
            {c.title || "Untitled"}
          </span>
          <span className="d">
            {formatDateTime(c.updated_at)} · {c.message_count.toLocaleString("en-US")} message{c.message_count === 1 ? "" : "s"}
          </span>
        </button>
      )}
      <div className="actions">
        {confirming ? (
          <>
            <span className="muted small">Delete?</span>
            <button type="button" className="btn small danger" onClick={onDelete} data-testid="confirm-delete">
              Delete
            </button>
            <button type="button" className="btn small" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </>
        ) : (
          <>
            <button
              type="button"
              className="btn icon small ghost"
              onClick={() => {
                setTitle(c.title);
                setEditing(true);
              }}
              aria-label={`Rename ${c.title}`}
              title="Rename"
            >
              <Pencil size={14} aria-hidden="true" />
            </button>
            <a className="btn icon small ghost" href={api.exportUrl(c.id)} download aria-label={`Export ${c.title} as markdown`} title="Export as markdown">
              <Download size={14} aria-hidden="true" />
            </a>
            <button type="button" className="btn icon small ghost" onClick={() => setConfirming(true)} aria-label={`Delete ${c.title}`} title="Delete">
              <Trash2 size={14} aria-hidden="true" />
            </button>
          </>
        )}
      </div>
    </li>
  );
}

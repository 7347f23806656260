;;; emacs_generate.el --- a real Emacs + eglot session against `prisma-down lsp'  -*- lexical-binding: t; -*-
;; Run by tests/editors/test_emacs.py:
;;   emacs --batch -l tests/editors/emacs_generate.el
;; It loads the documented configuration (docs/emacs/prisma-down.el) as a user would, only
;; pointing the server command at the Python under test, opens one migration.sql (the
;; documented sql-mode hook starts eglot), waits for the missing-down-sql diagnostic in
;; flymake, runs the "Generate down.sql" code action and waits for the warning to go.
;; Exit code 0 on success, 1 with the reason on stderr.
;;
;; Environment: PRISMA_DOWN_CONFIG (the .el file), PRISMA_DOWN_LSP_CMD (JSON list),
;; PRISMA_DOWN_MIGRATION (the migration.sql to open), PRISMA_DOWN_VIA (quickfix: the quick
;; fix on the warning, from `eglot-code-actions', run with `eglot-execute-command'; keymap:
;; the documented C-c l d), PRISMA_DOWN_TIMEOUT (seconds, optional).

(require 'cl-lib)
(require 'json)

(defvar pd-timeout (string-to-number (or (getenv "PRISMA_DOWN_TIMEOUT") "15")))
(defvar pd-started (float-time))

(defun pd-log (fmt &rest args)
  (princ (format "[emacs %6.0f ms] %s\n" (* 1000 (- (float-time) pd-started))
                 (apply #'format fmt args))
         #'external-debugging-output))

(defun pd-env (name)
  (let ((value (getenv name)))
    (unless (and value (not (string= value "")))
      (error "missing environment variable %s" name))
    value))

(defun pd-finish (code)
  "Shut the servers down (else they outlive us), then exit with CODE."
  (dolist (server (ignore-errors (hash-table-values eglot--servers-by-project)))
    (dolist (s (if (listp server) server (list server)))
      (ignore-errors (eglot-shutdown s))))
  (kill-emacs code))

(defun pd-events ()
  "The tail of eglot's JSON-RPC log, for whoever reads a failure."
  (let ((server (or (ignore-errors (eglot-current-server))
                    (ignore-errors (car (car (hash-table-values eglot--servers-by-project)))))))
    (if (not server)
        "(no server)"
      (with-current-buffer (jsonrpc-events-buffer server)
        (buffer-substring-no-properties (if (getenv "PRISMA_DOWN_EMACS_EVENTS_ALL") (point-min) (max (point-min) (- (point-max) 12000)))
                                        (point-max))))))

(defun pd-fail (fmt &rest args)
  (pd-log "FAIL: %s" (apply #'format fmt args))
  (when (getenv "PRISMA_DOWN_EMACS_EVENTS")
    (pd-log "eglot events (tail):\n%s" (pd-events)))
  (pd-finish 1))

(defun pd-wait (pred)
  "Run timers and process output until PRED holds or the timeout.
Return the value of PRED."
  (let ((deadline (+ (float-time) pd-timeout)) value)
    (while (and (not (setq value (funcall pred))) (< (float-time) deadline))
      (accept-process-output nil 0.02)
      (sit-for 0))  ; runs flymake's and eglot's timers
    value))

(defun pd-unread (server)
  "What the server wrote that jsonrpc has not parsed yet."
  (let ((buffer (process-buffer (jsonrpc--process server))))
    (if (buffer-live-p buffer)
        (with-current-buffer buffer (buffer-substring-no-properties (point-min) (point-max)))
      "")))

(defun pd-lsp-diag (diag)
  (cdr (assoc 'eglot-lsp-diag (flymake-diagnostic-data diag))))

(defun pd-codes ()
  (mapconcat (lambda (d)
               (format "%s@%d" (plist-get (pd-lsp-diag d) :code)
                       (line-number-at-pos (flymake-diagnostic-beg d))))
             (flymake-diagnostics) ", "))

(defun pd-find (code)
  (cl-find-if (lambda (d) (equal (plist-get (pd-lsp-diag d) :code) code))
              (flymake-diagnostics)))

(defun pd-main ()
  (let* ((config (pd-env "PRISMA_DOWN_CONFIG"))
         (cmd (append (json-read-from-string (pd-env "PRISMA_DOWN_LSP_CMD")) nil))
         (migration (pd-env "PRISMA_DOWN_MIGRATION"))
         (down (expand-file-name "down.sql" (file-name-directory migration)))
         (via (pd-env "PRISMA_DOWN_VIA")))
    ;; What a user copies, unchanged; then only the command under test.
    (load config nil t)
    (setf (alist-get '(sql-mode) eglot-server-programs nil nil #'equal) cmd)
    (pd-log "eglot %s, loaded %s"
            (or (ignore-errors (package-get-version)) (locate-library "eglot")) config)
    ;; Never ask: a prompt in batch mode reads stdin and fails.
    (setq eglot-confirm-server-initiated-edits nil)

    (find-file migration)
    (pd-log "opened %s (major-mode=%s, prisma-down-keys-mode=%s)"
            migration major-mode prisma-down-keys-mode)
    ;; eglot-ensure connects from post-command-hook; batch mode has no command loop.
    (run-hooks 'post-command-hook)
    (unless (pd-wait (lambda () (eglot-current-server)))
      (pd-fail "eglot did not start for %s (is the sql-mode hook in the config?)" migration))
    (let ((server (eglot-current-server)))
      (pd-log "connected: %s, project root %s" (eglot--project-nickname server)
              (project-root (eglot--project server)))
      (unless (pd-wait (lambda () (pd-find "missing-down-sql")))
        (pd-fail "no missing-down-sql diagnostic in flymake within %ss; got: %s"
                 pd-timeout (pd-codes)))
      (pd-log "flymake diagnostics: %s" (pd-codes))
      (let ((diag (pd-find "missing-down-sql")))
        (goto-char (flymake-diagnostic-beg diag))
        (cond
         ((equal via "quickfix")
          ;; The quick fix on the warning, as C-c l q / C-c l a would offer it.
          (let* ((actions (eglot-code-actions (flymake-diagnostic-beg diag)
                                              (flymake-diagnostic-end diag)))
                 (titles (mapconcat (lambda (a) (format "%S (%s)" (plist-get a :title)
                                                        (plist-get a :kind)))
                                    actions ", "))
                 (action (cl-find-if
                          (lambda (a)
                            (and (equal (plist-get a :kind) "quickfix")
                                 (string-match-p "generate down\\.sql"
                                                 (downcase (plist-get a :title)))))
                          actions)))
            (pd-log "code actions: %s" titles)
            (unless action
              (pd-fail "no \"Generate down.sql\" quick fix; offered: %s" titles))
            (when (plist-get action :edit)
              (pd-fail "the quick fix carries an edit eglot %s cannot apply (CreateFile?): %S"
                       "1.9" (plist-get action :edit)))
            (let ((command (plist-get action :command)))
              (unless command
                (pd-fail "the quick fix carries no command: %S" action))
              (pd-log "executing %s %S" (plist-get command :command)
                      (plist-get command :arguments))
              (pd-log "result: %S"
                      (eglot-execute-command server (intern (plist-get command :command))
                                             (plist-get command :arguments))))))
         ((equal via "keymap")
          ;; The documented C-c l d, from the top of the file: no menu.
          (goto-char (point-min))
          (let ((binding (key-binding (kbd "C-c l d"))))
            (pd-log "C-c l d runs %s" binding)
            (unless (commandp binding)
              (pd-fail "C-c l d is not bound in the migration buffer"))
            (call-interactively binding)))
         (t (pd-fail "unknown PRISMA_DOWN_VIA %s" via))))
      (unless (file-exists-p down)
        (pd-fail "no %s after the code action" down))
      (pd-log "down.sql on disk: %d bytes" (file-attribute-size (file-attributes down)))
      (set-buffer (find-buffer-visiting migration))
      (unless (pd-wait (lambda () (not (pd-find "missing-down-sql"))))
        (let ((unread (pd-unread server)))
          (if (string-match-p "publishDiagnostics" unread)
              (pd-fail "missing-down-sql still shown after down.sql was written: the server's \
publishDiagnostics came right behind the reply to workspace/executeCommand, and Emacs 28's \
jsonrpc (1.0.14) leaves whatever follows a reply in the same read unread until the server \
writes again. The server should publish before it replies (await the re-analysis in \
server/prisma_down/lsp/features/commands.py). Unread: %s"
                       (replace-regexp-in-string
                        "[\r\n]+" " " (substring unread 0 (min 400 (length unread)))))
            (pd-fail "missing-down-sql still shown after down.sql was written; got: %s"
                     (pd-codes)))))
      (pd-log "missing-down-sql cleared; diagnostics now: %s" (pd-codes))
      (pd-finish 0))))

(condition-case err
    (pd-main)
  (error (pd-fail "%s" (error-message-string err))))

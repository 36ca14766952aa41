-- Headless Neovim as an LSP client of irqlens: opens the example's dtrace_xcall.c, starts
-- `irqlens lsp --stdio` with vim.lsp.start_client, waits for the seed diagnostic and a
-- hover, prints them, and exits 0 on success, 1 otherwise. Run by scripts/nvim-lsp-check.sh.
local root = assert(os.getenv('IRQLENS_ROOT'), 'IRQLENS_ROOT unset')
local workspace = assert(os.getenv('IRQLENS_WORKSPACE'), 'IRQLENS_WORKSPACE unset')

local function finish(ok, message)
  io.stdout:write(message .. '\n')
  vim.cmd(ok and 'qall!' or 'cquit!')
end

vim.cmd('edit ' .. vim.fn.fnameescape(workspace .. '/common/dtrace_xcall.c'))
local buf = vim.api.nvim_get_current_buf()
local client_id = vim.lsp.start_client({
  name = 'irqlens',
  cmd = { 'node', root .. '/bin/irqlens.js', 'lsp', '--stdio' },
  root_dir = workspace,
  workspace_folders = { { uri = vim.uri_from_fname(workspace), name = 'example' } },
})
if not client_id then finish(false, 'FAIL: could not start the server') return end
vim.lsp.buf_attach_client(buf, client_id)

local got = vim.wait(60000, function() return #vim.diagnostic.get(buf) > 0 end, 100)
if not got then finish(false, 'FAIL: no diagnostics within 60 s') return end
for _, d in ipairs(vim.diagnostic.get(buf)) do
  io.stdout:write(string.format('diagnostic %d:%d [%s] %s\n', d.lnum + 1, d.col + 1, tostring(d.code), d.message))
end

local client = vim.lsp.get_client_by_id(client_id)
local line = vim.fn.search('^void dtrace_sync') - 1
local result = client.request_sync('textDocument/hover', {
  textDocument = { uri = vim.uri_from_bufnr(buf) },
  position = { line = line, character = 6 },
}, 20000, buf)
local hover = result and result.result and result.result.contents and result.result.contents.value or ''
io.stdout:write('hover: ' .. hover:gsub('\n', ' | ') .. '\n')
client.stop()
finish(hover:find('hardirq', 1, true) ~= nil, hover ~= '' and 'OK' or 'FAIL: no hover')
